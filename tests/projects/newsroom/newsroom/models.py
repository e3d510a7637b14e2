from django.db import models

from .base import Timestamped


class ArticleQuerySet(models.QuerySet):
    def live(self):
        return self.filter(published=True)


class Article(Timestamped):
    title = models.CharField(max_length=100)
    published = models.BooleanField(default=False)
    objects = ArticleQuerySet.as_manager()


class Tag(models.Model):
    name = models.CharField(max_length=30)
