import time


def fetch():
    time.sleep(1)
