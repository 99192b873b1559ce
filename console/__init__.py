"""The console command `inburgerbot`: one module per command group (console/main.py)."""
