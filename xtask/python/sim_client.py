"""The official SDK's WorkspaceClient pointed at a running workspace-sim,
as every script here builds it: AK/SK signing, one endpoint, a connect
timeout of 10 s and the read timeout given."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkworkspace.v2 import WorkspaceClient


def make_client(base_url, ak, sk, project_id, read_timeout=60):
    """The official client, pointed at the simulator at `base_url`."""
    config = HttpConfig.get_default_config()
    config.timeout = (10, read_timeout)
    return (
        WorkspaceClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoints([base_url])
        .build()
    )
