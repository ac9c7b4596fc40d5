"""m.skills against the fake server: the formation's skills, one skill, one agent's; the runtime's 500s."""

from __future__ import annotations

import pytest

from muxi_sdk import Muxi, errors
from muxi_sdk.testing import FakeMuxi


@pytest.fixture
def m(muxi_fake: FakeMuxi) -> Muxi:
    return muxi_fake.client(retry_config=None)  # type: ignore[no-any-return]


def test_builtin_and_loaded_skills_are_listed(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.add_skill("triage", "Sort tickets", resources=("scripts/sort.py", "README.md"))
    skills = {s.name: s for s in m.skills.list().skills}
    assert {"compute", "file-generation", "generative-ui", "triage"} <= set(skills)
    assert skills["compute"].scope == "builtin" and skills["compute"].has_scripts is True
    assert skills["triage"].scope == "public" and skills["triage"].resource_count == 2


def test_one_skill_has_its_metadata_and_resources(m: Muxi) -> None:
    skill = m.skills.get(skill_name="compute")
    assert skill.license == "Apache-2.0" and skill.allowed_tools == ["run_skill"]
    assert "scripts/run_python.py" in skill.resources
    with pytest.raises(errors.NotFoundError, match="Skill 'nope' not found"):
        m.skills.get(skill_name="nope")


def test_an_agent_sees_public_skills_and_only_its_own_private_ones(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.add_skill("secret-sauce", "Only for the chef", scope="private", agents=("chef",))
    chef = m.skills.list_for_agent(agent_id="chef")
    other = m.skills.list_for_agent(agent_id="waiter")
    assert chef.agent_id == "chef" and other.agent_id == "waiter"
    assert {s.name: s.scope for s in chef.skills}["secret-sauce"] == "private"
    assert "secret-sauce" not in {s.name for s in other.skills}
    assert "compute" in {s.name for s in other.skills}


def test_a_formation_without_skills(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.state.features["skills"] = False
    assert m.skills.list().skills == []
    assert m.skills.list_for_agent(agent_id="a").skills == []
    with pytest.raises(errors.NotFoundError, match="Skills not configured"):
        m.skills.get(skill_name="compute")


def test_runtime_bug_switch_answers_the_runtimes_500(muxi_fake: FakeMuxi, m: Muxi) -> None:
    muxi_fake.state.skills_runtime_bug = True
    with pytest.raises(errors.ServerError, match="missing 2 required positional arguments"):
        m.skills.list()
    with pytest.raises(errors.ServerError, match="unexpected keyword argument 'status_code'"):
        m.skills.get(skill_name="nope")


def test_client_key_only_and_path_checked(muxi_fake: FakeMuxi) -> None:
    with muxi_fake.client(client_key=None) as admin_only:
        with pytest.raises(errors.ConfigurationError, match="client key"):
            admin_only.skills.list()
    with muxi_fake.client() as m, pytest.raises(errors.InvalidInputError):
        m.skills.get(skill_name="..")


async def test_async_twins(muxi_fake: FakeMuxi) -> None:
    async with muxi_fake.client() as m:
        assert "compute" in {s.name for s in (await m.skills.list_async()).skills}
        assert (await m.skills.get_async(skill_name="compute")).name == "compute"
        assert (await m.skills.list_for_agent_async(agent_id="x")).agent_id == "x"
