from .cache import Cache
from .storage import load_settings

__all__ = ["Cache", "load_settings"]
