"""Email: the SMTP mailer, newsletter subscriptions and digests."""
