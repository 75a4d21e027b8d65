"""Outside file formats into core values and back: one module per format or publisher."""
