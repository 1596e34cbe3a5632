"""The Qt desktop UI: a thin layer over messenger.client and messenger.account."""
