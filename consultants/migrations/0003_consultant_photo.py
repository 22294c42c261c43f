from django.db import migrations, models

import consultants.validators


class Migration(migrations.Migration):
    dependencies = [
        ("consultants", "0002_scraping_jobs_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultant",
            name="photo",
            field=models.ImageField(
                blank=True,
                help_text="JPEG, PNG or WebP, at least 200 px on each side; cropped to squares for the directory.",
                upload_to="consultants/photos/",
                validators=[consultants.validators.validate_photo],
            ),
        ),
    ]
