from django.apps import AppConfig


class ConsultantsConfig(AppConfig):
    name = "consultants"

    def ready(self) -> None:
        from easy_thumbnails.signals import saved_file

        from .photos import on_saved_file

        # A photo saved through the admin gets its crops at once (consultants/photos.py).
        saved_file.connect(on_saved_file, dispatch_uid="consultants.photo_crops")
