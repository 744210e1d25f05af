"""Peer cities: which hub cities faced what a city faces, and what they did.

A city's profile is what its practices are about (IDF-weighted concepts), where it
is and what situation it is in (region, country, admin type, border area, hosting
refugees…), and how its practice texts read (sentence embeddings). Similarity is a
documented blend of the three (:mod:`hub.peers.similarity`); every peer comes with
reasons in plain words (:mod:`hub.peers.explain`). Learning links between cities are
never read here: they are the held-out truth ``bench/eval_peers.py`` scores against.

Modules, in the order they depend on each other:
``vectors`` (practice texts → cached embeddings) · ``profile`` (city and free-text
profiles) · ``similarity`` (the blend and its weights) · ``explain`` (reasons, shared,
differs, relevant practices) · ``index`` (all profiles, the build stage, peers.json).
"""

from hub.peers.index import PeerIndex, build_peer_index
from hub.peers.profile import DescriptionError
from hub.peers.similarity import Weights

__all__ = ["DescriptionError", "PeerIndex", "Weights", "build_peer_index"]
