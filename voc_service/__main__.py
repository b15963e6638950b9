from voc_service.cli import main

raise SystemExit(main())
