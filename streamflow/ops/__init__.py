"""Operating an app from outside its workers: send records, list topics and lag, reset the
group's offsets, list and re-drive dead letters. The ``streamflow`` commands of the same names
are thin wrappers around these functions.

Everything here goes through the transport layer (``runtime.transport``), so it speaks to the
same broker, with the same security settings, as the app's workers.
"""
