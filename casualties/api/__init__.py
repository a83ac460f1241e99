"""The REST API of casualty claims: serializers, viewsets and the CSV export."""
