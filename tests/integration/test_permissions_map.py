"""Every endpoint declares who may reach it, and the declaration holds: walk the whole URL map.

This keeps passing as endpoints are added: new routes are picked up automatically.
"""

import pytest

from app.permissions import AUTHENTICATED, PERMISSIONS, PUBLIC, endpoint_permission

EXEMPT = {"static"}
DUMMY_BY_CONVERTER = {"IntegerConverter": 999999, "FloatConverter": 999999.0, "UUIDConverter": "0" * 32}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in EXEMPT]


def _url(rule) -> str:
    values = {
        name: DUMMY_BY_CONVERTER.get(type(converter).__name__, "zz-missing")
        for name, converter in rule._converters.items()
    }
    return rule.build(values, append_unknown=False)[1]


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_endpoint_declares_a_known_permission(app):
    missing, unknown = [], []
    for rule in _rules(app):
        code = endpoint_permission(app.view_functions[rule.endpoint])
        if code is None:
            missing.append(rule.endpoint)
        elif code not in (PUBLIC, AUTHENTICATED) and code not in PERMISSIONS:
            unknown.append(f"{rule.endpoint}: {code}")
    assert not missing, f"endpoints without @require_permission/@login_required/@public: {sorted(set(missing))}"
    assert not unknown, f"endpoints with unknown permission codes: {unknown}"


def test_protected_endpoints_refuse_users_without_the_permission(app, auth, client, make_user, make_role):
    auth.login(make_user("nobody", role=make_role(permissions=[])))
    wrong = []
    for rule in _rules(app):
        code = endpoint_permission(app.view_functions[rule.endpoint])
        if code in (PUBLIC, AUTHENTICATED, None):
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            if response.status_code not in (403, 404):
                wrong.append(f"{method} {rule.rule} ({code}) -> {response.status_code}")
    assert not wrong, "reachable without their permission:\n" + "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_login(app):
    anonymous = app.test_client()
    wrong = []
    for rule in _rules(app):
        code = endpoint_permission(app.view_functions[rule.endpoint])
        if code in (PUBLIC, None):
            continue
        for method in _methods(rule):
            response = anonymous.open(_url(rule), method=method)
            if not (_is_login_redirect(response) or response.status_code == 401):
                wrong.append(f"{method} {rule.rule} -> {response.status_code}")
    assert not wrong, "reachable without signing in:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", ["/system/users", "/system/roles", "/system/departments", "/system/audit/"])
def test_superuser_reaches_the_system_pages(admin_client, path):
    assert admin_client.get(path).status_code == 200
