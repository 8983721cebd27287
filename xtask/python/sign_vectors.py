"""Signs test cases with the official Huawei Cloud signer (huaweicloudsdkcore).

Reads a JSON list of cases on stdin; each case has: name, method, url (as sent,
already percent-encoded), headers (list of [name, value] pairs, in order),
body_text or body_hex, ak, sk, security_token (optional), sdk_date.
Prints the same list with, for each case, "authorization" and "final_headers"
(the header name/value pairs the official client sends, sorted by name).

The request is built the way huaweicloudsdkcore's client builds it: host is the
URL's netloc (with its port), resource_path the URL path, query parameters a
list of (key, value) tuples (a repeated key gives one tuple per value, like the
'multi' collection format), header_params a dict, body bytes. Signing goes
through BasicCredentials.sign_request, the client's own entry point, so the
security token is added exactly as the client adds it. X-Sdk-Date is preset so
the date is fixed.
"""

import json
import sys
from urllib.parse import urlsplit, unquote

from importlib.metadata import version

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest


def query_tuples(query):
    tuples = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        tuples.append((unquote(key), unquote(value)))
    return tuples


def sign_case(case):
    parts = urlsplit(case["url"])
    headers = {}
    for name, value in case["headers"]:
        headers[name] = value
    headers["X-Sdk-Date"] = case["sdk_date"]
    if "body_hex" in case:
        body = bytes.fromhex(case["body_hex"])
    else:
        body = case.get("body_text", "")
    request = SdkRequest(
        method=case["method"],
        schema=parts.scheme,
        host=parts.netloc,
        resource_path=parts.path,
        query_params=query_tuples(parts.query),
        header_params=headers,
        body=body,
    )
    credentials = BasicCredentials(case["ak"], case["sk"])
    if case.get("security_token") is not None:
        credentials = credentials.with_security_token(case["security_token"])
    signed = credentials.sign_request(request)
    out = dict(case)
    out["authorization"] = signed.header_params["Authorization"]
    # Header values as the client sends them (the signer re-decodes UTF-8 as ISO-8859-1
    # for the HTTP library; undo that to show the text).
    final = []
    for name, value in signed.header_params.items():
        final.append([name, value.encode("iso-8859-1").decode("utf-8")])
    final.sort(key=lambda kv: kv[0].lower())
    out["final_headers"] = final
    out["sent_uri"] = signed.uri
    return out


def main():
    cases = json.load(sys.stdin)
    result = {
        "generator": "xtask/python/sign_vectors.py",
        "official_sdk": "huaweicloudsdkcore==" + version("huaweicloudsdkcore"),
        "cases": [sign_case(case) for case in cases],
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
