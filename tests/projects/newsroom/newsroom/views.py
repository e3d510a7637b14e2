from asgiref.sync import sync_to_async

from . import models
from .models import Article, Tag
from .services import live_count, publish_all


async def front_page(request):
    latest = Article.objects.order_by("-created").first()  # expect: AG116
    tags = [tag.name for tag in Tag.objects.all()]  # expect: AG116
    total = models.Article.objects.count()  # expect: AG116
    return latest, tags, total, live_count()  # expect: AG110


async def publish(request):
    await sync_to_async(publish_all)()
    publish_all()  # expect: AG110
    article = Article(title="x")
    article.save()  # expect: AG116
    # Lazy until evaluated: nothing to report.
    return Article.objects.filter(title__icontains="x")
