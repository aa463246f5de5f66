"""The connector conformance kit: one suite every connector passes against its emulator.

`kit.py` holds what a connector declares (`Target`: its emulator, what the source holds in the API's
terms, its change scenarios) and how the kit derives expectations from it; `targets/` the
declarations of Lever and Ashby; `world.py` connects a target to HireBridge; `test_connector_conformance.py`
is the suite. docs/connectors/README.md says what a new connector declares to pass it.
"""
