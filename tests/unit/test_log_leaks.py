"""The log-leak scan used by the services' end-to-end suite finds what it looks for."""

from __future__ import annotations

import logging

from tests.log_leaks import LogCapture, find_leaks


def test_a_secret_in_a_log_record_or_its_traceback_is_found() -> None:
    capture = LogCapture()
    with capture.installed():
        logging.getLogger("postroom.test").debug("login for %s", "ann@example.com")
        try:
            raise ValueError("token eyJhbGciOi.secret.part")
        except ValueError:
            logging.getLogger("some.library").exception("it failed")
        logging.getLogger("some.library").debug("not captured below INFO")

    leaks = find_leaks(capture.lines, ["ann@example.com", "eyJhbGciOi.secret.part", "unused1"])

    assert len(leaks) == 2
    assert all("ann@example.com" not in leak for leak in leaks)  # masked in the report
    assert not any("not captured" in line for line in capture.lines)


def test_text_without_secrets_has_no_leaks() -> None:
    assert find_leaks(["INFO uvicorn: 201 Created"], ["ann@example.com"]) == []
    assert find_leaks(["short"], ["abc"]) == []  # too short to mean anything
