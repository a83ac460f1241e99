"""Model-less pieces every app shares (exports, input rules); no models, no views."""
