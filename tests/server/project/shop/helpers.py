"""Helpers of the shop; `pause` does not block until the scenario edits it."""


def pause():
    return 1
