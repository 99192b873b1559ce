"""Common Ground adapters: the case system (casework.ports.CaseSystem) through the municipality's
APIs (Open Klant's klantinteracties), and fakes of those APIs for tests and the sandbox."""
