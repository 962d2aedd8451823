"""Readable random run names ("brave-otter-417"), so runs can be told apart at a glance."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "daring", "eager", "fancy", "fast", "gentle",
    "golden", "grand", "happy", "honest", "jolly", "keen", "kind", "lively", "lucky", "merry", "mighty", "nimble",
    "noble", "polite", "proud", "quick", "quiet", "rapid", "shiny", "silver", "smart", "steady", "sunny", "swift",
    "tidy", "vivid", "warm", "wise", "witty", "zesty",
)
_NOUNS = (
    "badger", "bear", "bee", "crane", "deer", "dolphin", "eagle", "falcon", "finch", "fox", "gecko", "hare", "hawk",
    "heron", "ibis", "jay", "koala", "lark", "lemur", "lion", "lynx", "mole", "moose", "newt", "orca", "otter", "owl",
    "panda", "puffin", "quail", "raven", "robin", "seal", "shrew", "sloth", "swan", "tiger", "toad", "trout", "wolf",
    "wren", "yak",
)


def random_run_name(rng: random.Random | None = None) -> str:
    r = rng or random
    return f"{r.choice(_ADJECTIVES)}-{r.choice(_NOUNS)}-{r.randint(100, 999)}"
