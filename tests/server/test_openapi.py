"""`GET /openapi.json`: an OpenAPI 3.1 document of every HTTP route of the app, and of nothing
else; checked against the app's own routes both ways, so that neither drifts from the other."""

import json
import re

from starlette.routing import Route

from server.app import create_app
from server.services import Services
from server.settings import Settings

from .conftest import ServedMeeting, api

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def routed() -> set[tuple[str, str]]:
    """Every (path, method) the app answers over HTTP; HEAD goes with GET by itself."""
    app = create_app(services=Services(Settings(admin_token="a", secret="s")))
    found = set()
    for route in app.routes:
        if isinstance(route, Route):
            found |= {(route.path, m.lower()) for m in route.methods or () if m != "HEAD"}
    return found


async def served_document(meeting: ServedMeeting) -> dict[str, object]:
    async with api(meeting.app) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document: dict[str, object] = json.loads(response.content)
    return document


def documented(document: dict[str, object]) -> set[tuple[str, str]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {(path, method) for path, item in paths.items() for method in item if method in METHODS}


async def test_the_document_is_openapi_3_1_served_without_a_token(meeting: ServedMeeting) -> None:
    document = await served_document(meeting)
    assert re.fullmatch(r"3\.1\.\d+", str(document["openapi"]))
    info = document["info"]
    assert isinstance(info, dict) and info["title"] and info["version"]


async def test_every_route_of_the_app_is_documented(meeting: ServedMeeting) -> None:
    missing = routed() - documented(await served_document(meeting))
    assert not missing, f"routes the document does not describe: {sorted(missing)}"


async def test_every_documented_operation_is_a_route_of_the_app(meeting: ServedMeeting) -> None:
    extra = documented(await served_document(meeting)) - routed()
    assert not extra, f"documented, but no such route: {sorted(extra)}"


async def test_every_path_parameter_and_reference_is_declared(meeting: ServedMeeting) -> None:
    document = await served_document(meeting)
    text = json.dumps(document)
    components = document["components"]
    assert isinstance(components, dict)
    for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
        assert name in components["schemas"], name
    paths = document["paths"]
    assert isinstance(paths, dict)
    for path, item in paths.items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (path, method)
            for scheme in (name for needed in operation["security"] for name in needed):
                assert scheme in components["securitySchemes"], (path, method, scheme)
