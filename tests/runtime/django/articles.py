# before: SynchronousOnlyOperation
# prints: (1, ['b'], 1)
# prints: published: a
# prints: published: b
# prints: (2, ['a', 'b'], 2)
# An async view over Django's ORM (AG116): Django refuses every query on the event loop;
# with its async API (the plain `--fix`), the same queries run.
import asyncio
import os
import tempfile

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(tempfile.mkdtemp(), "db.sqlite3")}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

from django.db import connection, models  # noqa: E402


class Article(models.Model):
    title = models.CharField(max_length=100)
    published = models.BooleanField(default=False)

    class Meta:
        app_label = "blog"


with connection.schema_editor() as editor:
    editor.create_model(Article)


async def publish(title):
    article = Article.objects.create(title=title)
    article.published = True
    article.save()
    article.refresh_from_db()
    published = Article.objects.filter(published=True)
    if Article.objects.count() > 1:
        for each in published.order_by("title"):
            print("published:", each.title)
    titles = [each.title for each in published.order_by("title")]
    return published.count(), titles, len(list(Article.objects.all()))


async def main():
    for title in ["b", "a"]:
        print(await publish(title))


asyncio.run(main())
