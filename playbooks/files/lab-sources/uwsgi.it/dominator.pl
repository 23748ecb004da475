#!/usr/bin/perl
# lab stand-in for uwsgi.it dominator.pl
exit 0;
