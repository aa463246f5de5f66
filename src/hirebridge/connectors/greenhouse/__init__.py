"""Greenhouse Harvest v3 (harvest.greenhouse.io/v3). See docs/connectors/greenhouse.md.

Only the mapping exists so far (`mapping.py`: v3 payloads -> unified records); the streams are declared
on the connector framework of issue 12 once it lands.
"""
