"""Schemathesis (a fuzzer nobody here wrote) against the published OpenAPI document, as a requester and an agent.

Every operation gets a bounded number of valid and invalid requests, derandomized so CI is stable; no answer may
be a server error or a body the document does not describe. The figures are printed (`-s` shows them).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from support.accounts.service import issue_api_token
from support.extensions import db
from tests.tickets.conftest import build_org, ticket_maker

EXAMPLES_PER_OPERATION = 12  # per generation mode and role; the whole file stays well under a minute on 2 cores
CHECKS = [not_a_server_error, response_schema_conformance]


def _run(operation, mode: GenerationMode, figures: dict, headers: dict, path_parameters=None) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case):
        figures["cases"] += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:
            figures["failures"].append(f"{operation.label} [{mode.value}] {failure}")

    check()


@pytest.mark.parametrize("role", ["requester", "agent"])
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(app, factory, role, capsys):
    org = build_org(factory)
    new_ticket = ticket_maker(org)
    person = org.guardian_a if role == "requester" else org.agent
    ticket = new_ticket(org.guardian_a)  # tier 2: the requester's own and in the agent's queue
    # The WSGI transport does not undo Content-Encoding as an HTTP client would, so ask for plain bodies.
    headers = {"Authorization": f"Bearer {issue_api_token(person, 'schemathesis')}", "Accept-Encoding": "identity"}
    db.session.commit()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    figures = {"operations": 0, "cases": 0, "failures": []}
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, figures, headers)
        if "{number}" in operation.path:  # also aim at a ticket that exists and that the caller may see
            _run(operation, GenerationMode.POSITIVE, figures, headers, path_parameters={"number": ticket.number})

    with capsys.disabled():
        print(f"\nschemathesis as {role}: {figures['operations']} operations, {figures['cases']} cases, "
              f"{len(figures['failures'])} failures")
    assert figures["operations"] >= 6
    assert not figures["failures"], "\n".join(figures["failures"][:5])
