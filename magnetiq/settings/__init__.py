"""Settings split by environment: ``base`` holds everything, ``local``/``test``/``production`` adjust it."""
