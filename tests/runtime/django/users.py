# before: SynchronousOnlyOperation
# prints: signed up ada
# prints: authenticated ada: True
# prints: wrong password: None
# prints: found ada
# Sign-up and sign-in in async views (AG116): the user manager, `authenticate()` and
# `get_object_or_404()` query the database; Django 5.2 has an async twin of each.
import asyncio
import os
import tempfile

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(tempfile.mkdtemp(), "db.sqlite3")}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
django.setup()

from django.contrib.auth import authenticate, get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.shortcuts import get_object_or_404  # noqa: E402

call_command("migrate", verbosity=0)


async def sign_up(name, password):
    user = get_user_model().objects.create_user(name, password=password)
    print("signed up", user.username)


async def sign_in(name, password):
    user = authenticate(username=name, password=password)
    return user


async def profile(name):
    User = get_user_model()
    return get_object_or_404(User, username=name)


async def main():
    await sign_up("ada", "lovelace")
    user = await sign_in("ada", "lovelace")
    print("authenticated ada:", user is not None)
    print("wrong password:", await sign_in("ada", "babbage"))
    print("found", (await profile("ada")).username)


asyncio.run(main())
