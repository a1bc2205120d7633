"""`python -m bench simulcast`: a viewer on a link narrower than a camera, simulcast off and on."""
