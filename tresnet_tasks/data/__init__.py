"""What every task shares about data: COCO json checks (``coco_checks``), the unreadable-image policy (``images``),
and writers of small datasets in the real formats for demos and tests (``synthetic``)."""
