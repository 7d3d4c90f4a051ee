"""Random two-word run names (`crimson-fox`), so a person can tell runs apart at a glance (R6).

Names are for people, not for identity: they need not be unique, and the generator is a plain
PRNG (no secrecy involved, and it is called once per generated run on the scheduler's hot path).
"""

from __future__ import annotations

import random

ADJECTIVES = (
    "amber", "ancient", "arctic", "azure", "bold", "brave", "bright", "brisk", "calm", "clever",
    "cobalt", "copper", "cosmic", "crimson", "crisp", "curious", "daring", "dapper", "dusky",
    "eager", "electric", "emerald", "fearless", "fiery", "gentle", "gilded", "glossy", "golden",
    "graceful", "hidden", "humble", "icy", "indigo", "jolly", "keen", "lively", "lucky", "lunar",
    "magenta", "mellow", "misty", "modest", "nimble", "noble", "olive", "patient", "placid",
    "polar", "quiet", "radiant", "rapid", "rustic", "scarlet", "silent", "silver", "sleek",
    "smoky", "solar", "spry", "stellar", "stoic", "sunny", "swift", "tawny", "teal", "tidy",
    "upbeat", "valiant", "velvet", "vivid", "wandering", "witty", "zealous", "zesty",
)  # fmt: skip

ANIMALS = (
    "albatross", "alpaca", "antelope", "badger", "beaver", "bison", "bobcat", "buffalo",
    "camel", "caribou", "cheetah", "condor", "cougar", "coyote", "crane", "dingo", "dolphin",
    "eagle", "egret", "falcon", "ferret", "finch", "fox", "gazelle", "gecko", "gibbon",
    "heron", "hedgehog", "ibex", "iguana", "jackal", "jaguar", "kestrel", "kiwi", "koala",
    "lemur", "leopard", "lynx", "magpie", "marmot", "marten", "mink", "moose", "narwhal",
    "ocelot", "octopus", "orca", "osprey", "otter", "owl", "panda", "panther", "pelican",
    "penguin", "puffin", "python", "quail", "raccoon", "raven", "salmon", "seal", "sparrow",
    "stork", "swan", "tapir", "tiger", "toucan", "turtle", "viper", "walrus", "weasel",
    "wolf", "wombat", "yak", "zebra",
)  # fmt: skip

_random = random.Random()


def run_name() -> str:
    """A random `adjective-animal` slug."""
    return f"{_random.choice(ADJECTIVES)}-{_random.choice(ANIMALS)}"
