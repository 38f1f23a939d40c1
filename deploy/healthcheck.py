"""Health check of the web container: the login page answers 200 (the app, its templates and
the database work). Standard library only, as the slim image has no curl.

Sends the first allowed host name and X-Forwarded-Proto: https, so that production settings
neither reject the host nor redirect to HTTPS. Exit status 0 when healthy.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def check(url: str, allowed_hosts: str, timeout: float = 5.0) -> int:
    hosts = [host.strip().lstrip(".") for host in allowed_hosts.split(",") if host.strip()]
    host = next((h for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(check(
        os.environ.get("BANGFU_HEALTHCHECK_URL", "http://127.0.0.1:8000/login/"),
        os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost"),
    ))
