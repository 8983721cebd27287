"""Reads profile files with the official Huawei Cloud reader (huaweicloudsdkcore).

Reads a JSON list of cases on stdin; each case has: name, text (the file's
content, written as UTF-8 bytes exactly as given, so "\r\n" and a BOM reach
the reader), section (the credential type the provider is built with:
"basic", "global", ...).

For each case the text is written to a temporary file, which
HUAWEICLOUD_SDK_CREDENTIALS_FILE then names, and
ProfileCredentialProvider(section).get_credentials() reads it: the official
SDK's own entry point, with its configparser settings. Prints, as JSON,
{"version": ..., "cases": [...]} where each case is either
{"name", "ok": {"ak", "sk", "security_token", "project_id", "domain_id",
"iam_endpoint"}} or {"name", "error": <exception class name>}.
The values are test values, never real keys.
"""

import json
import os
import sys
import tempfile
from importlib.metadata import version

from huaweicloudsdkcore.auth.provider import ProfileCredentialProvider


def read_case(case, directory):
    path = os.path.join(directory, "credentials")
    with open(path, "wb") as f:
        f.write(case["text"].encode("utf-8"))
    os.environ["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = path
    try:
        credentials = ProfileCredentialProvider(case["section"]).get_credentials()
    except Exception as e:  # every refusal is an outcome to compare
        return {"name": case["name"], "error": type(e).__name__}
    return {
        "name": case["name"],
        "ok": {
            "ak": credentials.ak,
            "sk": credentials.sk,
            "security_token": credentials.security_token,
            "project_id": getattr(credentials, "project_id", None),
            "domain_id": getattr(credentials, "domain_id", None),
            "iam_endpoint": credentials.iam_endpoint,
        },
    }


def main():
    cases = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as directory:
        results = [read_case(case, directory) for case in cases]
    json.dump(
        {"version": version("huaweicloudsdkcore"), "cases": results},
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main()
