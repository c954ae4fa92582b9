"""Rating changes not saved yet, kept until the trainer can save them.

On the device: the rating page's script keeps unsaved changes in localStorage under DEVICE_PREFIX + "<user>:<visit>"
and signing out removes every key with that prefix. Both read it from the page (the rating form's data-keep-key,
the sign-out form's data-clears), so a rename here reaches both.
"""

DEVICE_PREFIX = "imr-rating:"
