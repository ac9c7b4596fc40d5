"""Skills: /v1/skills and /v1/agents/{agent_id}/skills (client key), read-only.

State `skills` (name -> {name, description, license, compatibility, allowed_tools, resources, scope, agents}),
seeded with the runtime's three built-in skills. `state.skills_runtime_bug = True` answers the 500s muxi-runtime
1.20260928 gives on these routes (create_success_response / create_error_response called with wrong arguments).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import require
from ..envelope import APIError, ok
from ..state import FakeState

SUCCESS_BUG = "create_success_response() missing 2 required positional arguments: 'object_type' and 'event_type'"
ERROR_BUG = "create_error_response() got an unexpected keyword argument 'status_code'"

BUILTIN: tuple[dict[str, Any], ...] = (
    {
        "name": "compute",
        "description": "Use Python execution to compute precise answers when in-context reasoning is unreliable "
        "(arithmetic, date math, regex, parsing, data manipulation). Returns a value, not an artifact.",
        "allowed_tools": ["run_skill"],
        "resources": [
            "references/arithmetic.md",
            "references/data-aggregation.md",
            "references/date-math.md",
            "references/regex-parsing.md",
            "scripts/run_python.py",
        ],
    },
    {
        "name": "file-generation",
        "description": "Generate files (charts, documents, spreadsheets, images, presentations) by executing "
        "Python code in a sandboxed environment",
        "allowed_tools": None,
        "resources": ["scripts/generate.py"],
    },
    {
        "name": "generative-ui",
        "description": "Create interactive HTML widgets, dashboards, diagrams, and visual explainers for requests "
        "that are better shown than described.",
        "allowed_tools": ["generate_file"],
        "resources": [],
    },
)


def add_skill(
    state: FakeState,
    name: str,
    description: str = "",
    *,
    scope: str = "public",
    agents: tuple[str, ...] = (),
    resources: tuple[str, ...] = (),
    license: str | None = None,
    compatibility: str | None = None,
    allowed_tools: list[str] | None = None,
) -> dict[str, Any]:
    """Load a skill into the fake formation: `public` (every agent), `private` (only `agents`) or `builtin`."""
    skill = {
        "name": name,
        "description": description,
        "license": license,
        "compatibility": compatibility,
        "allowed_tools": allowed_tools,
        "resources": list(resources),
        "scope": scope,
        "agents": list(agents),
    }
    with state.lock:
        _table(state)[name] = skill
    return skill


def _table(state: FakeState) -> dict[str, dict[str, Any]]:
    def seeded() -> dict[str, dict[str, Any]]:
        return {
            s["name"]: {**s, "license": "Apache-2.0", "compatibility": ">=1.0", "scope": "builtin", "agents": []}
            for s in BUILTIN
        }

    return state.table("skills", seeded)  # type: ignore[no-any-return]


def _summary(skill: dict[str, Any]) -> dict[str, Any]:
    resources = skill["resources"]
    return {
        "name": skill["name"],
        "description": skill["description"],
        "scope": skill["scope"],
        "has_scripts": any(r.startswith("scripts/") for r in resources),
        "resource_count": len(resources),
        "has_execution_context": False,
    }


def routes(state: FakeState) -> list[BaseRoute]:
    def skills() -> dict[str, dict[str, Any]]:
        return _table(state) if state.features.get("skills", True) else {}

    async def list_skills(request: Request) -> Response:
        require(request, state, "client")
        if state.skills_runtime_bug:
            raise APIError(500, SUCCESS_BUG, "INTERNAL_ERROR")
        return ok("skill_list", "skill.list", {"skills": [_summary(s) for s in skills().values()]})

    async def get_skill(request: Request) -> Response:
        require(request, state, "client")
        name = request.path_params["skill_name"]
        skill = skills().get(name)
        if state.skills_runtime_bug:
            raise APIError(500, SUCCESS_BUG if skill else ERROR_BUG, "INTERNAL_ERROR")
        if not state.features.get("skills", True):
            raise APIError(404, "Skills not configured", "NOT_FOUND")
        if skill is None:
            raise APIError(404, f"Skill '{name}' not found", "NOT_FOUND")
        keys = ("name", "description", "license", "compatibility", "allowed_tools", "resources")
        return ok("skill", "skill.retrieved", {k: skill[k] for k in keys})

    async def agent_skills(request: Request) -> Response:
        require(request, state, "client")
        if state.skills_runtime_bug:
            raise APIError(500, SUCCESS_BUG, "INTERNAL_ERROR")
        agent_id = request.path_params["agent_id"]
        available = [
            {
                "name": s["name"],
                "description": s["description"],
                "scope": "private" if s["scope"] == "private" else "public",
            }
            for s in skills().values()
            if s["scope"] != "private" or agent_id in s["agents"]
        ]
        return ok("skill_list", "skill.list", {"skills": available, "agent_id": agent_id})

    return [
        Route("/skills", list_skills, methods=["GET"]),
        Route("/skills/{skill_name}", get_skill, methods=["GET"]),
        Route("/agents/{agent_id}/skills", agent_skills, methods=["GET"]),
    ]
