# A factory whose returned type a literal argument decides, for other modules' calls.
import redis
import redis.asyncio


def get_connection(url, async_mode=False):
    if async_mode:
        return redis.asyncio.Redis.from_url(url)
    return redis.Redis.from_url(url)
