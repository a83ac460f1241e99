"""The REST API of sources and reports: serializers and viewsets."""
