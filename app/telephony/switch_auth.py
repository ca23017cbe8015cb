"""Who may call the endpoints FreeSWITCH uses (xml_curl, CDR): a source in SWITCH_ALLOWED_IPS and the
configured HTTP basic-auth credentials. FreeSWITCH has no session, so this stands in for login and CSRF."""

import hmac
import ipaddress
import logging

log = logging.getLogger(__name__)


def address_allowed(allowed: str, remote_addr: str | None) -> bool:
    """Is the address in the comma-separated list of addresses and networks?"""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return False
    for item in str(allowed or "").replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if address in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            log.warning("SWITCH_ALLOWED_IPS entry %r is not an address or network", item)
    return False


def switch_refusal(config, what: str, prefix: str, remote_addr, authorization) -> int | None:
    """None when the request may proceed; else 403 (foreign source) or 401 (missing or wrong credentials).

    `prefix` names the credential settings: "XMLCURL" reads XMLCURL_USER / XMLCURL_PASSWORD. An empty
    password refuses everything, so a forgotten setting never leaves the endpoint open."""
    if not address_allowed(config.get("SWITCH_ALLOWED_IPS", ""), remote_addr):
        log.warning("%s from %s refused: not in SWITCH_ALLOWED_IPS", what, remote_addr)
        return 403
    expected = str(config.get(f"{prefix}_PASSWORD") or "")
    if not expected:
        log.error("%s refused: %s_PASSWORD is not configured", what, prefix)
        return 401
    username = (authorization.username if authorization else None) or ""
    password = (authorization.password if authorization else None) or ""
    user_ok = hmac.compare_digest(username.encode(), str(config.get(f"{prefix}_USER") or "").encode())
    password_ok = hmac.compare_digest(password.encode(), expected.encode())
    if not (user_ok and password_ok):
        log.warning("%s from %s refused: wrong credentials", what, remote_addr)
        return 401
    return None
