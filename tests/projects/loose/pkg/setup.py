"""A module of the package that happens to be called like a project marker."""


def prepare():
    return None
