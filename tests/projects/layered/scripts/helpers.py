import time


def slow():
    time.sleep(0.1)
