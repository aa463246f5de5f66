"""Storage: tables, engine and sessions, repositories. All SQL of HireBridge lives in this package."""
