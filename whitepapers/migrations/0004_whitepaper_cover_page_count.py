from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("whitepapers", "0003_language_from_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="whitepaper",
            name="page_count",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="whitepaper",
            name="generated_cover",
            field=models.ImageField(blank=True, editable=False, max_length=255, upload_to="whitepapers/covers/"),
        ),
    ]
