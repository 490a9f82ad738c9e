"""Login methods beside the username + password + captcha form."""
