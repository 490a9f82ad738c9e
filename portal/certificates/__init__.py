"""Electronic credit certificates (电子学分证书): issuing, verification by QR code, revocation."""
