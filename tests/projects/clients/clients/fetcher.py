# A class without bases whose attribute only another module's return annotation types:
# nothing else in this module needs the project.
from .factory import make_client


class Fetcher:
    def __init__(self):
        self.http = make_client()

    async def fetch(self, url):
        return self.http.get(url)  # expect: AG102

    def fetch_now(self, url):
        return self.http.get(url)


async def use_fetcher(url):
    return Fetcher().fetch_now(url)  # expect: AG110
