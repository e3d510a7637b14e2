import shutil


def archive(path):
    return shutil.make_archive(path, "zip", path)
