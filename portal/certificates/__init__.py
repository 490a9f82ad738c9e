"""Electronic credit certificates (电子学分证书): issuing, downloading, revocation. Numbering,
freezing and verification by QR code are portal.documents'."""
