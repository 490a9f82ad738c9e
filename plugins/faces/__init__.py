"""人脸建档 (face enrollment and face checks): the plugin faces.recognition, off unless PORTAL_FACES=1."""
