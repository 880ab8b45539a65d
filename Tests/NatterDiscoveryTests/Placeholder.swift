// Discovery tests (unit and lab). Built by the discovery issue.
