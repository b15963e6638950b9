"""gRPC servicers: proto <-> domain conversion and status codes. No NLP here."""
