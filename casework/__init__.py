"""The core: use cases shared by every front end, pure rules, and ports for the channels."""
