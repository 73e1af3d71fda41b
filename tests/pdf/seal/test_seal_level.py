"""SIGNET_SEAL_LEVEL: B-LTA whenever a TSA is set, B-B without; a lower level only when asked
for; every combination that would leave a setting unused is refused at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from signet.config import Settings

TSA = "http://127.0.0.1:9/tsa"


def level(**kwargs: object) -> str:
    return Settings(_env_file=None, **kwargs).seal_pades_level  # type: ignore[call-arg]


def test_a_tsa_makes_seals_b_lta_and_none_b_b() -> None:
    assert level(tsa_url=TSA) == "B-LTA"
    assert level() == "B-B"


def test_a_lower_level_is_chosen_explicitly() -> None:
    assert level(tsa_url=TSA, seal_level="B-T") == "B-T"
    assert level(tsa_url=TSA, seal_level="b-lta") == "B-LTA"
    assert level(seal_level="B-B") == "B-B"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"seal_level": "B-T"}, "SIGNET_SEAL_LEVEL=B-T needs SIGNET_TSA_URL"),
        ({"seal_level": "B-LTA"}, "SIGNET_SEAL_LEVEL=B-LTA needs SIGNET_TSA_URL"),
        ({"seal_level": "B-B", "tsa_url": TSA}, "SIGNET_TSA_URL is set"),
        ({"seal_level": "B-X", "tsa_url": TSA}, "seal_level"),
        ({"seal_lta": True}, "SIGNET_SEAL_LTA=1 needs SIGNET_TSA_URL"),
        ({"seal_lta": False, "tsa_url": TSA, "seal_level": "B-LTA"}, "keep SIGNET_SEAL_LEVEL"),
    ],
)
def test_settings_that_would_not_be_honoured_are_refused(kwargs: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Settings(_env_file=None, **kwargs)  # type: ignore[call-arg]


def test_the_deprecated_alias_is_honoured() -> None:
    assert level(tsa_url=TSA, seal_lta=True) == "B-LTA"
    assert level(tsa_url=TSA, seal_lta=False) == "B-T"
    assert level(seal_lta=False) == "B-B"
    assert level(tsa_url=TSA, seal_lta=True, seal_level="B-LTA") == "B-LTA"
