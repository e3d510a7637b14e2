import subprocess


def compress(data):
    return subprocess.run(["gzip"], input=data, capture_output=True).stdout
