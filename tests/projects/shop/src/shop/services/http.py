import requests


def fetch_json(url):
    return requests.get(url, timeout=5).json()


async def notify(event):
    return event
